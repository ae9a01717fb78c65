//! Nearest places to a point, without measuring the distance to every place.
//!
//! Every commune without a place lists its nearest ones, and every
//! intercommunalité without a place for a need lists the nearest that offer
//! it: 35,000 communes × 50,000 places nationally. A grid of square cells
//! (in degrees) lets a query look at the cells around the point, ring by
//! ring, and stop as soon as no farther cell can hold a nearer place. The
//! answer is exactly the brute-force one, ties broken by index (places are
//! sorted by id, so by id).

use crate::territories::LatLon;
use std::collections::HashMap;

const CELL_DEGREES: f64 = 0.2;
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Beyond this many rings, the remaining points are measured one by one:
/// a site spread over the overseas départements has mostly empty cells.
const MAX_RINGS: i32 = 40;

pub struct PointIndex {
    cells: HashMap<(i32, i32), Vec<usize>>,
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

impl PointIndex {
    pub fn new(points: Vec<Option<LatLon>>) -> PointIndex {
        let mut cells: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
        let mut max_abs_lat: f64 = 0.0;
        for (i, p) in points.iter().enumerate() {
            if let Some(p) = p
                && p.lat.is_finite()
                && p.lon.is_finite()
            {
                cells.entry(cell_of(*p)).or_default().push(i);
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
        let (ci, cj) = cell_of(origin);
        let max_abs_lat = self.max_abs_lat.max(origin.lat.abs()).min(89.9);
        let mut found: Vec<(usize, f64)> = Vec::new();
        let mut ring = 0;
        loop {
            if ring > MAX_RINGS {
                return self.brute_force(origin, k, &keep);
            }
            for (di, dj) in ring_cells(ring) {
                if let Some(list) = self.cells.get(&(ci + di, cj + dj)) {
                    for &i in list {
                        if keep(i)
                            && let Some(p) = self.points[i]
                        {
                            found.push((i, origin.distance_km(p)));
                        }
                    }
                }
            }
            if found.len() >= k {
                sort(&mut found);
                found.truncate(k);
                // A point outside the rings seen so far is at least this far.
                if found[k - 1].1 <= lower_bound_km(ring, max_abs_lat) {
                    return found;
                }
            }
            ring += 1;
        }
    }

    fn brute_force(&self, origin: LatLon, k: usize, keep: &impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = self
            .points
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .filter_map(|(i, p)| {
                p.filter(|p| p.lat.is_finite() && p.lon.is_finite())
                    .map(|p| (i, origin.distance_km(p)))
            })
            .collect();
        sort(&mut all);
        all.truncate(k);
        all
    }
}

fn sort(list: &mut [(usize, f64)]) {
    list.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
}

/// The cells at Chebyshev distance `ring` from the centre cell.
fn ring_cells(ring: i32) -> impl Iterator<Item = (i32, i32)> {
    (-ring..=ring).flat_map(move |di| {
        let step = if di.abs() == ring { 1 } else { (2 * ring).max(1) };
        (-ring..=ring).step_by(step as usize).map(move |dj| (di, dj))
    })
}

/// Shortest distance from a point to any point outside the square of
/// `ring` cells around its own cell: either `ring` cells of latitude away,
/// or `ring` cells of longitude away where a degree of longitude is
/// shortest (the haversine formula gives sin(d/2R) ≥ cos φ · sin(Δλ/2)).
fn lower_bound_km(ring: i32, max_abs_lat: f64) -> f64 {
    let gap = f64::from(ring) * CELL_DEGREES;
    let by_lat = gap.to_radians() * EARTH_RADIUS_KM;
    let by_lon = 2.0
        * EARTH_RADIUS_KM
        * (max_abs_lat.to_radians().cos() * (gap.to_radians() / 2.0).min(std::f64::consts::FRAC_PI_2).sin()).asin();
    by_lat.min(by_lon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rings_cover_each_cell_once() {
        let mut seen = std::collections::HashSet::new();
        for r in 0..5 {
            for c in ring_cells(r) {
                assert!(seen.insert(c), "{c:?} twice");
                assert_eq!(c.0.abs().max(c.1.abs()), r);
            }
        }
        assert_eq!(seen.len(), 81);
    }

    fn brute(points: &[Option<LatLon>], origin: LatLon, k: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        PointIndex::new(points.to_vec()).brute_force(origin, k, &keep)
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

    #[test]
    fn ties_go_to_the_lower_index() {
        let p = Some(LatLon { lat: 43.3, lon: -0.37 });
        let index = PointIndex::new(vec![p, p, p]);
        let found = index.nearest(LatLon { lat: 43.31, lon: -0.37 }, 2, |_| true);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec![0, 1]);
    }
}
