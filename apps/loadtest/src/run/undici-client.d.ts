// undici's Client alone, without the rest of the package (fetch, WebSocket, caches: about 1 MB of bundle that
// every start would parse). The deep path is stable in undici 7 (no `exports` map); see
// docs/adr/0011-http-engine.md.
declare module 'undici/lib/dispatcher/client.js' {
  import { Client } from 'undici';
  export default Client;
}
