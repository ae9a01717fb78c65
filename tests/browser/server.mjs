// Tiny static file server for the browser tests. Loopback only.
//
//   node tests/browser/server.mjs ROOT [PORT]
//
// Serves the folder ROOT on http://127.0.0.1:PORT/ (PORT 0 or absent: a free
// port chosen by the system) and prints one line "PORT=<port>" on stdout once
// it listens, so that a shell script can read it. Files are read at each
// request: the site may be built into ROOT after the server started.
//
// Behaviour, close to a usual static host (GitHub Pages, nginx, Netlify):
// - GET and HEAD only (405 otherwise);
// - a folder answers with its index.html; a folder asked without its final
//   slash is redirected (301) to the same path with the slash;
// - a missing file answers status 404 with the nearest 404.html found walking
//   up from the requested folder to ROOT (so a site built in ROOT/sub/ gets
//   its own ROOT/sub/404.html), or a plain-text 404 if there is none;
// - a content type from the file extension;
// - no path outside ROOT is ever read.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const STUB_TILE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function statOrNull(p) {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/** Creates (does not start) the server for folder `root`. */
export function createStaticServer(root) {
  const base = path.resolve(root);
  const inside = (p) => p === base || p.startsWith(base + path.sep);

  function send(req, res, status, file, extraHeaders = {}) {
    const body = fs.readFileSync(file);
    res.writeHead(status, {
      'Content-Type': contentType(file),
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...extraHeaders,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function notFound(req, res, startDir) {
    let dir = inside(startDir) ? startDir : base;
    for (;;) {
      const candidate = path.join(dir, '404.html');
      if (statOrNull(candidate)?.isFile()) return send(req, res, 404, candidate);
      if (dir === base) break;
      dir = path.dirname(dir);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : 'Not found\n');
  }

  return http.createServer((req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('Method not allowed\n');
      }
      const url = new URL(req.url, 'http://127.0.0.1');
      let pathname;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('Bad request\n');
      }
      // Stub tiles for the map: a 1×1 PNG for any /__tuiles/{z}/{x}/{y}.png,
      // so that no test ever asks a real tile server.
      if (/^\/__tuiles\/\d+\/\d+\/\d+\.png$/.test(pathname)) {
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': STUB_TILE.length, 'Cache-Control': 'no-store' });
        return res.end(req.method === 'HEAD' ? undefined : STUB_TILE);
      }
      if (pathname.includes('\0')) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('Bad request\n');
      }
      const target = path.resolve(base, '.' + path.posix.normalize(pathname));
      if (!inside(target)) return notFound(req, res, base);
      const st = statOrNull(target);
      if (st?.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          res.writeHead(301, { Location: url.pathname + '/' + url.search, 'Content-Length': 0 });
          return res.end();
        }
        const index = path.join(target, 'index.html');
        if (statOrNull(index)?.isFile()) return send(req, res, 200, index);
        return notFound(req, res, target);
      }
      if (st?.isFile() && !url.pathname.endsWith('/')) return send(req, res, 200, target);
      return notFound(req, res, pathname.endsWith('/') ? target : path.dirname(target));
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Internal error: ${err.message}\n`);
    }
  });
}

/** Starts the server on 127.0.0.1; resolves to { server, port }. */
export function startStaticServer(root, port = 0) {
  return new Promise((resolve, reject) => {
    const server = createStaticServer(root);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [root, port = '0'] = process.argv.slice(2);
  if (!root) {
    console.error('usage: node server.mjs ROOT [PORT]');
    process.exit(2);
  }
  const { server, port: actual } = await startStaticServer(root, Number(port));
  console.log(`PORT=${actual}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
