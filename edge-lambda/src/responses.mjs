// The function's own answers: CloudFront's generated-response shape, never cached, small HTML pages.

export function response(status, description, headers = {}, body = undefined) {
  const out = { status: String(status), statusDescription: description, headers: {} };
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    out.headers[name.toLowerCase()] = values.map((v) => ({ key: name, value: v }));
  }
  out.headers['cache-control'] = [{ key: 'Cache-Control', value: 'no-store' }];
  if (body !== undefined) {
    out.body = body;
  }
  return out;
}

/** A page with a fixed message (never text from the request). */
export function page(status, description, message) {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${description}</title></head>`
    + `<body><h1>${status} ${description}</h1><p>${message}</p></body></html>`;
  return response(status, description, { 'Content-Type': 'text/html; charset=utf-8' }, body);
}
