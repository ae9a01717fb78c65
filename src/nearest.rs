//! Nearest places to a point, without measuring the distance to every place.
//!
//! Every commune without a place lists its nearest ones, and every
//! intercommunalité without a place for a need lists the nearest that offer
//! it: 35,000 communes × 50,000 places nationally. A grid of square cells
//! (in degrees) lets a query look at the cells around the point, ring by
//! ring, and stop as soon as no farther cell can hold a nearer place.
//!
//! Candidates are compared by the squared length of the chord between their
//! unit vectors, computed once per point: a few multiplications instead of
//! the haversine's sines and cosines. The chord grows with the great-circle
//! distance, but the two are rounded differently, so the chord only picks a
//! shortlist: the candidates within a margin (far above rounding) of the
//! k-th nearest chord. Those alone are measured with
//! [`LatLon::distance_km`] and ranked by that distance, ties broken by index
//! (places are sorted by id, so by id).
//!
//! What is exact: [`PointIndex::nearest`] returns the same indices, in the
//! same order, with the same distances to the bit, as measuring every
//! accepted point with [`LatLon::distance_km`] and sorting by (distance,
//! index), points without finite coordinates left out. The grid's stopping
//! test assumes longitudes do not wrap around ±180° (it takes 179.9° and
//! −179.9° for far apart, as it always did; no French territory straddles
//! that meridian); and it never reaches a point within centimetres of the
//! origin's antipode, whose haversine could in principle round to NaN (not
//! observed). Past `MAX_RINGS`, or from a non-finite origin, every point is
//! considered and the answer is the measured one without these provisos.

use crate::territories::LatLon;
// Looked up for every commune and service: std's SipHash was most of a
// lookup's cost.
use ahash::AHashMap as HashMap;

const CELL_DEGREES: f64 = 0.2;
/// Beyond this many rings, the remaining points are measured one by one:
/// a site spread over the overseas départements has mostly empty cells.
const MAX_RINGS: i32 = 40;
/// Margin on chord lengths, in Earth radii (0.6 mm, and 1e-10 of the
/// chord): both the chord and the haversine are within about 1e-14 of the
/// true value for coordinates in degrees up to ±180, so a point whose chord
/// is beyond the margin is farther by the haversine too, strictly.
const CHORD_SLACK: f64 = 1e-10;
/// Squared chord of pairs near enough to antipodal that the haversine could
/// round to NaN, which sorts first or last by its sign: such points are
/// always measured.
const NEAR_ANTIPODE: f64 = 4.0 - 1e-9;

/// A point's index and unit vector, stored in its cell so that a query reads
/// each cell it visits contiguously.
type Entry = (usize, [f64; 3]);

/// The points of one grid cell, and the classes they belong to (see
/// [`ClassedIndex`]; none for a plain index).
#[derive(Default)]
struct Cell {
    classes: u64,
    entries: Vec<Entry>,
}

pub struct PointIndex {
    cells: HashMap<(i32, i32), Cell>,
    points: Vec<Option<LatLon>>,
    /// Largest |latitude| of any point: where a degree of longitude is shortest.
    max_abs_lat: f64,
}

fn cell_of(p: LatLon) -> (i32, i32) {
    (
        (p.lat / CELL_DEGREES).floor() as i32,
        (p.lon / CELL_DEGREES).floor() as i32,
    )
}

fn unit_vector(p: LatLon) -> [f64; 3] {
    let (sin_lat, cos_lat) = p.lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = p.lon.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

fn chord2(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (x, y, z) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    x * x + y * y + z * z
}

impl PointIndex {
    pub fn new(points: Vec<Option<LatLon>>) -> PointIndex {
        PointIndex::with_classes(points, |_| 0)
    }

    /// With the classes of each point (`classes_of(i)`) gathered per cell.
    fn with_classes(points: Vec<Option<LatLon>>, classes_of: impl Fn(usize) -> u64) -> PointIndex {
        let mut cells: HashMap<(i32, i32), Cell> = HashMap::new();
        let mut max_abs_lat: f64 = 0.0;
        for (i, p) in points.iter().enumerate() {
            if let Some(p) = p
                && p.lat.is_finite()
                && p.lon.is_finite()
            {
                let cell = cells.entry(cell_of(*p)).or_default();
                cell.classes |= classes_of(i);
                cell.entries.push((i, unit_vector(*p)));
                max_abs_lat = max_abs_lat.max(p.lat.abs());
            }
        }
        PointIndex {
            cells,
            points,
            max_abs_lat,
        }
    }

    /// The `k` points nearest to `origin` among those `keep` accepts, nearest
    /// first, with their distance in km.
    pub fn nearest(&self, origin: LatLon, k: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        if k == 0 || self.cells.is_empty() {
            return Vec::new();
        }
        if !(origin.lat.is_finite() && origin.lon.is_finite()) {
            return self.brute_force(origin, k, &keep);
        }
        let o = unit_vector(origin);
        let (ci, cj) = cell_of(origin);
        let max_abs_lat = self.max_abs_lat.max(origin.lat.abs());
        let mut found = Candidates::new(k);
        let mut ring = 0;
        loop {
            if ring > MAX_RINGS {
                return self.brute_force(origin, k, &keep);
            }
            for (di, dj) in ring_cells(ring) {
                if let Some(cell) = self.cells.get(&(ci + di, cj + dj)) {
                    for &(i, v) in &cell.entries {
                        if keep(i) {
                            found.offer(i, chord2(o, v));
                        }
                    }
                }
            }
            // A point outside the rings seen so far is at least this far.
            if found.settled_within(chord2_lower_bound(ring, max_abs_lat)) {
                return self.rank(origin, found.list, k);
            }
            ring += 1;
        }
    }

    fn brute_force(&self, origin: LatLon, k: usize, keep: &impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        let o = unit_vector(origin);
        let mut all: Vec<(usize, f64)> = self
            .cells
            .values()
            .flat_map(|cell| &cell.entries)
            .filter(|(i, _)| keep(*i))
            .map(|&(i, v)| (i, chord2(o, v)))
            .collect();
        if all.len() > k {
            shortlist(&mut all, k);
        }
        self.rank(origin, all, k)
    }

    /// The `k` nearest of a shortlist by the haversine, as the distances
    /// shown are.
    fn rank(&self, origin: LatLon, shortlist: Vec<(usize, f64)>, k: usize) -> Vec<(usize, f64)> {
        let mut ranked: Vec<(usize, f64)> = shortlist
            .into_iter()
            .filter_map(|(i, _)| self.points[i].map(|p| (i, origin.distance_km(p))))
            .collect();
        sort(&mut ranked);
        ranked.truncate(k);
        ranked
    }
}

/// Points that each belong to some classes (the bits of a mask, such as the
/// services a place offers): the nearest point of every class at once.
/// The dashboard asks, for each of 35,000 communes, the nearest place
/// offering each service: one walk through the rings around the commune
/// instead of one per service, each visiting the same cells.
pub struct ClassedIndex {
    /// Its cells know their points' classes: a walk for a rare class
    /// passes over the cells without it.
    index: PointIndex,
    classes: Vec<u64>,
    /// Classes that some point with coordinates belongs to: a search for
    /// any other would walk every ring to find nothing.
    present: u64,
}

impl ClassedIndex {
    /// `classes[i]`: the classes of `points[i]`.
    pub fn new(points: Vec<Option<LatLon>>, classes: Vec<u64>) -> ClassedIndex {
        let index = PointIndex::with_classes(points, |i| classes[i]);
        let present = index.cells.values().fold(0, |all, cell| all | cell.classes);
        ClassedIndex {
            index,
            classes,
            present,
        }
    }

    /// For each class below `count` (at most 64), what
    /// `nearest(origin, 1, …)` gives among that class's points: the same
    /// point and distance, to the bit.
    pub fn nearest_of_each(&self, origin: LatLon, count: usize) -> Vec<Option<(usize, f64)>> {
        let mut nearest = vec![None; count];
        let all_below = if count >= 64 { u64::MAX } else { (1u64 << count) - 1 };
        // Classes still searched, each with its candidates as in `nearest`.
        let mut open = self.present & all_below;
        let mut found: Vec<Candidates> = (0..count).map(|_| Candidates::new(1)).collect();
        let classes = &self.classes;
        let o = unit_vector(origin);
        let (ci, cj) = cell_of(origin);
        let max_abs_lat = self.index.max_abs_lat.max(origin.lat.abs());
        // From a non-finite origin, every point is measured, as `nearest` does.
        let mut ring = if origin.lat.is_finite() && origin.lon.is_finite() {
            0
        } else {
            MAX_RINGS + 1
        };
        while open != 0 {
            if ring > MAX_RINGS {
                for class in bits(open) {
                    let of_class = |i: usize| classes[i] & (1 << class) != 0;
                    nearest[class] = self.index.brute_force(origin, 1, &of_class).first().copied();
                }
                break;
            }
            for (di, dj) in ring_cells(ring) {
                if let Some(cell) = self.index.cells.get(&(ci + di, cj + dj))
                    && cell.classes & open != 0
                {
                    for &(i, v) in &cell.entries {
                        let wanted = classes[i] & open;
                        if wanted != 0 {
                            let chord = chord2(o, v);
                            for class in bits(wanted) {
                                found[class].offer(i, chord);
                            }
                        }
                    }
                }
            }
            let bound = chord2_lower_bound(ring, max_abs_lat);
            for class in bits(open) {
                if found[class].settled_within(bound) {
                    let candidates = std::mem::take(&mut found[class].list);
                    nearest[class] = self.index.rank(origin, candidates, 1).first().copied();
                    open &= !(1 << class);
                }
            }
            ring += 1;
        }
        nearest
    }
}

/// Candidates for the `k` nearest points, as (index, squared chord). Those
/// farther than the `k` nearest offered so far allow are passed over at
/// once: in a city's cells, most points are, and `shortlist` would drop
/// them anyway (its cutoff only shrinks as nearer points come).
struct Candidates {
    list: Vec<(usize, f64)>,
    k: usize,
    /// The `k` smallest chords offered so far, smallest first.
    smallest: Vec<f64>,
    limit: f64,
}

impl Candidates {
    fn new(k: usize) -> Candidates {
        Candidates {
            list: Vec::new(),
            k,
            smallest: Vec::new(),
            limit: f64::INFINITY,
        }
    }

    fn offer(&mut self, i: usize, chord: f64) {
        if chord <= self.limit {
            self.list.push((i, chord));
            let at = self.smallest.partition_point(|&c| c <= chord);
            if at < self.k {
                self.smallest.insert(at, chord);
                self.smallest.truncate(self.k);
                if self.smallest.len() == self.k {
                    self.limit = cutoff(self.smallest[self.k - 1]);
                }
            }
        } else if chord >= NEAR_ANTIPODE || chord.is_nan() {
            // Kept by `shortlist` whatever the cutoff.
            self.list.push((i, chord));
        }
    }

    /// Whether the `k` nearest are known once no point left to offer has a
    /// squared chord below `bound`; shortlists the candidates on the way.
    fn settled_within(&mut self, bound: f64) -> bool {
        self.list.len() >= self.k && shortlist(&mut self.list, self.k) <= bound
    }
}

/// The positions of the bits set in `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let bit = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            bit
        })
    })
}

/// Keeps, of candidates given as (index, squared chord), those that may be
/// among the `k` nearest (at least `k` of them), and returns the largest
/// squared chord such a candidate can have.
fn shortlist(found: &mut Vec<(usize, f64)>, k: usize) -> f64 {
    let (_, kth, _) = found.select_nth_unstable_by(k - 1, |a, b| a.1.total_cmp(&b.1));
    let cutoff = cutoff(kth.1);
    // NaN chords come from a non-finite origin: their haversine is NaN
    // too, and they sort as it says.
    found.retain(|f| f.1 <= cutoff || f.1 >= NEAR_ANTIPODE || f.1.is_nan());
    cutoff
}

fn sort(list: &mut [(usize, f64)]) {
    list.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
}

/// The largest squared chord that may still rank before or with a point
/// at squared chord `chord`, given how chords and the haversine round.
fn cutoff(chord: f64) -> f64 {
    let c = chord.sqrt() * (1.0 + CHORD_SLACK) + CHORD_SLACK;
    c * c
}

/// The cells at Chebyshev distance `ring` from the centre cell.
fn ring_cells(ring: i32) -> impl Iterator<Item = (i32, i32)> {
    (-ring..=ring).flat_map(move |di| {
        let step = if di.abs() == ring { 1 } else { (2 * ring).max(1) };
        (-ring..=ring).step_by(step as usize).map(move |dj| (di, dj))
    })
}

/// Squared chord, less the margin of rounding, below which no point lies
/// outside the square of `ring` cells around the origin's cell. Such a point
/// is `ring` cells of latitude away, so sin(d/2R) ≥ sin(Δφ/2), or `ring`
/// cells of longitude away, where the haversine formula gives
/// sin(d/2R) ≥ cos φ · sin(Δλ/2), smallest where |φ| is largest; the chord
/// is 2 sin(d/2R).
fn chord2_lower_bound(ring: i32, max_abs_lat: f64) -> f64 {
    let half_gap = (f64::from(ring) * CELL_DEGREES).to_radians() / 2.0;
    let by_lat = 2.0 * half_gap.sin();
    let by_lon = by_lat * max_abs_lat.to_radians().cos();
    let c = (by_lat.min(by_lon) * (1.0 - CHORD_SLACK) - CHORD_SLACK).max(0.0);
    c * c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rings_cover_each_cell_once() {
        let mut seen = ahash::AHashSet::new();
        for r in 0..5 {
            for c in ring_cells(r) {
                assert!(seen.insert(c), "{c:?} twice");
                assert_eq!(c.0.abs().max(c.1.abs()), r);
            }
        }
        assert_eq!(seen.len(), 81);
    }

    /// Every accepted point measured with the haversine, sorted by
    /// (distance, index): what the index must answer, computed without it.
    fn brute(points: &[Option<LatLon>], origin: LatLon, k: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = points
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .filter_map(|(i, p)| {
                p.filter(|p| p.lat.is_finite() && p.lon.is_finite())
                    .map(|p| (i, origin.distance_km(p)))
            })
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }

    /// Places of a national site: dense clusters in mainland France and
    /// overseas, some repeated exactly (a town hall and its annex share
    /// coordinates) or a hair apart.
    fn national_points() -> impl Strategy<Value = Vec<Option<LatLon>>> {
        const CENTRES: [(f64, f64); 9] = [
            (43.3, -0.4),
            (48.85, 2.35),
            (45.0, 6.0),
            (-21.1, 55.5),
            (16.2, -61.5),
            (4.9, -52.3),
            (-12.8, 45.2),
            (46.8, -56.2),
            (-22.3, 166.4),
        ];
        let point = (0..CENTRES.len(), -1.5f64..1.5, -1.5f64..1.5).prop_map(|(c, dlat, dlon)| LatLon {
            lat: CENTRES[c].0 + dlat,
            lon: CENTRES[c].1 + dlon,
        });
        (
            proptest::collection::vec(proptest::option::weighted(0.95, point), 1..400),
            proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..3), 0..40),
        )
            .prop_map(|(mut points, copies)| {
                for (from, how) in copies {
                    if let Some(p) = points[from.index(points.len())] {
                        // The same point, or one a few ulps or a millimetre away.
                        let shift = [0.0, 1e-14, 1e-8][usize::from(how)];
                        points.push(Some(LatLon {
                            lat: p.lat + shift,
                            lon: p.lon - shift,
                        }));
                    }
                }
                points
            })
    }

    proptest! {
        #[test]
        fn same_answer_as_measuring_every_point(
            pts in proptest::collection::vec(proptest::option::weighted(0.9, (-21.5f64..51.5, -61.9f64..55.9)), 0..300),
            origin in (-21.5f64..51.5, -61.9f64..55.9),
            k in 0usize..6,
            modulo in 1usize..4,
        ) {
            let points: Vec<Option<LatLon>> = pts.into_iter().map(|p| p.map(|(lat, lon)| LatLon { lat, lon })).collect();
            let origin = LatLon { lat: origin.0, lon: origin.1 };
            let index = PointIndex::new(points.clone());
            let keep = |i: usize| i.is_multiple_of(modulo);
            prop_assert_eq!(index.nearest(origin, k, keep), brute(&points, origin, k, keep));
        }

        #[test]
        fn same_answer_in_a_dense_département(
            pts in proptest::collection::vec((43.0f64..43.6, -1.8f64..-0.3), 1..400),
            origin in (42.9f64..43.7, -1.9f64..-0.2),
        ) {
            let points: Vec<Option<LatLon>> = pts.into_iter().map(|(lat, lon)| Some(LatLon { lat, lon })).collect();
            let origin = LatLon { lat: origin.0, lon: origin.1 };
            let index = PointIndex::new(points.clone());
            prop_assert_eq!(index.nearest(origin, 3, |_| true), brute(&points, origin, 3, |_| true));
        }
    }

    proptest! {
        #[test]
        fn same_answer_as_the_haversine_nationally(
            points in national_points(),
            origin in prop_oneof![
                (-23.0f64..50.0, -63.0f64..168.0),
                (42.0f64..50.0, -5.0f64..8.0),
                (-22.0f64..-20.5, 55.0f64..56.0),
            ],
            k in 1usize..12,
            modulo in 1usize..4,
        ) {
            let origin = LatLon { lat: origin.0, lon: origin.1 };
            let index = PointIndex::new(points.clone());
            let keep = |i: usize| i.is_multiple_of(modulo);
            let expected = brute(&points, origin, k, keep);
            prop_assert_eq!(index.nearest(origin, k, keep), expected.clone());
            prop_assert_eq!(index.brute_force(origin, k, &keep), expected);
        }

        #[test]
        fn queries_at_a_place_find_it_and_its_copies(points in national_points(), at in any::<proptest::sample::Index>(), k in 1usize..6) {
            let Some(origin) = points[at.index(points.len())] else { return Ok(()) };
            let index = PointIndex::new(points.clone());
            prop_assert_eq!(index.nearest(origin, k, |_| true), brute(&points, origin, k, |_| true));
        }
    }

    /// Points mirrored across the origin's meridian are at exactly the same
    /// haversine distance, a tie the lower index wins, while their chords
    /// usually differ in the last bits: the chord alone would often pick
    /// the wrong one.
    #[test]
    fn mirrored_points_tie_as_the_haversine_says() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..2000 {
            let origin = LatLon {
                lat: 41.0 + 10.0 * next(),
                lon: -5.0 + 13.0 * next(),
            };
            let mut points = Vec::new();
            for _ in 0..3 {
                let d = 0.5 * next();
                points.push(Some(LatLon {
                    lat: origin.lat,
                    lon: origin.lon - d,
                }));
                points.push(Some(LatLon {
                    lat: origin.lat,
                    lon: origin.lon + d,
                }));
            }
            points.reverse();
            let index = PointIndex::new(points.clone());
            for k in 1..=points.len() {
                let expected = brute(&points, origin, k, |_| true);
                assert_eq!(index.nearest(origin, k, |_| true), expected, "{origin:?}, k = {k}");
                assert_eq!(index.brute_force(origin, k, &|_| true), expected, "{origin:?}, k = {k}");
            }
        }
    }

    #[test]
    fn antipodes_and_poles_rank_as_the_haversine_does() {
        let points: Vec<Option<LatLon>> = [
            (45.0, 0.0),
            (-45.0, 180.0),
            (-45.0, -180.0),
            (-44.9999999, 180.0),
            (89.99, 0.0),
            (89.99, 120.0),
            (90.0, 0.0),
            (-90.0, 0.0),
            (0.0, 0.0),
            (0.0, 180.0),
        ]
        .into_iter()
        .map(|(lat, lon)| Some(LatLon { lat, lon }))
        .collect();
        let index = PointIndex::new(points.clone());
        for p in points.iter().flatten() {
            for origin in [
                *p,
                LatLon {
                    lat: -p.lat,
                    lon: p.lon,
                },
                LatLon {
                    lat: p.lat,
                    lon: -p.lon,
                },
            ] {
                for k in 1..=points.len() + 1 {
                    let expected = brute(&points, origin, k, |_| true);
                    assert_eq!(index.nearest(origin, k, |_| true), expected, "{origin:?}, k = {k}");
                    assert_eq!(index.brute_force(origin, k, &|_| true), expected, "{origin:?}, k = {k}");
                }
            }
        }
    }

    #[test]
    fn a_non_finite_origin_is_measured_like_any() {
        let points = vec![
            Some(LatLon { lat: 43.3, lon: -0.37 }),
            None,
            Some(LatLon { lat: 43.2, lon: -0.3 }),
        ];
        let index = PointIndex::new(points.clone());
        for origin in [
            LatLon {
                lat: f64::NAN,
                lon: 0.0,
            },
            LatLon {
                lat: 43.0,
                lon: f64::INFINITY,
            },
        ] {
            let found = index.nearest(origin, 2, |_| true);
            let expected = brute(&points, origin, 2, |_| true);
            assert_eq!(
                found.iter().map(|f| f.0).collect::<Vec<_>>(),
                expected.iter().map(|f| f.0).collect::<Vec<_>>()
            );
            assert!(found.iter().zip(&expected).all(|(a, b)| a.1.to_bits() == b.1.to_bits()));
        }
    }

    proptest! {
        #[test]
        fn the_nearest_of_each_class_is_the_nearest_among_its_points(
            points in national_points(),
            masks in proptest::collection::vec(0u64..16, 0..450),
            origin in prop_oneof![
                (-23.0f64..50.0, -63.0f64..168.0),
                (42.0f64..50.0, -5.0f64..8.0),
                (-22.0f64..-20.5, 55.0f64..56.0),
            ],
            count in 0usize..6,
        ) {
            // Class 4 and 5 have no point; the last points have no class.
            let classes: Vec<u64> = (0..points.len()).map(|i| masks.get(i).copied().unwrap_or(0)).collect();
            let origin = LatLon { lat: origin.0, lon: origin.1 };
            let index = PointIndex::new(points.clone());
            let expected: Vec<Option<(usize, f64)>> = (0..count)
                .map(|class| index.nearest(origin, 1, |i| classes[i] & (1 << class) != 0).first().copied())
                .collect();
            prop_assert_eq!(ClassedIndex::new(points, classes).nearest_of_each(origin, count), expected);
        }
    }

    #[test]
    fn every_class_from_a_non_finite_origin_or_none_at_all() {
        let points = vec![
            Some(LatLon { lat: 43.3, lon: -0.37 }),
            None,
            Some(LatLon { lat: 43.2, lon: -0.3 }),
            Some(LatLon {
                lat: f64::NAN,
                lon: 0.0,
            }),
        ];
        // Class 2 only has points without usable coordinates.
        let classes = vec![0b01, 0b110, 0b11, 0b100];
        let index = PointIndex::new(points.clone());
        let classed = ClassedIndex::new(points, classes.clone());
        for origin in [
            LatLon {
                lat: f64::NAN,
                lon: 0.0,
            },
            LatLon { lat: 43.0, lon: -0.2 },
            LatLon { lat: -21.0, lon: 55.5 },
        ] {
            let found = classed.nearest_of_each(origin, 3);
            for (class, got) in found.iter().enumerate() {
                let expected = index
                    .nearest(origin, 1, |i| classes[i] & (1 << class) != 0)
                    .first()
                    .copied();
                assert_eq!(
                    got.map(|g| (g.0, g.1.to_bits())),
                    expected.map(|e| (e.0, e.1.to_bits())),
                    "{origin:?}, class {class}"
                );
            }
            assert_eq!(found[2], None);
        }
        assert_eq!(bits(0b1010_0001).collect::<Vec<_>>(), vec![0, 5, 7]);
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let p = Some(LatLon { lat: 43.3, lon: -0.37 });
        let index = PointIndex::new(vec![p, p, p]);
        let found = index.nearest(LatLon { lat: 43.31, lon: -0.37 }, 2, |_| true);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec![0, 1]);
    }
}
