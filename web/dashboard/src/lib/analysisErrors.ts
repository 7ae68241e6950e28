// Readable states for the analysis endpoints while a server may not have them yet.

/** A 404 of a whole endpoint (not of a site) means this server version does not serve it. */
export function endpointMessage(what: string, error: string, status: number | null): string {
  if (status === 404 && /no such route/i.test(error)) return `This Sightline server does not serve ${what} yet (the endpoint answered 404). Update the server.`;
  return error;
}
