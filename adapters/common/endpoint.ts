/** A host that only this machine reaches: `localhost`, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * An endpoint override from config or environment, checked: a URL, https (http only to a loopback
 * host: test servers and local proxies), and a plain base (no credentials, query or fragment).
 * Errors name the setting and the problem in one line.
 */
export function checkEndpointUrl(value: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${setting}: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`${setting}: ${url.protocol} is not http or https`);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new Error(`${setting}: plain http is allowed only for a loopback host (got ${url.hostname}); use https`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new Error(`${setting}: must be a plain base URL (no credentials, query or fragment)`);
  }
  return url;
}
