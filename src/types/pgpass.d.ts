/** The pgpass package (node-postgres's own reader of the password file) ships no types. */
declare module 'pgpass' {
  interface ConnInfo { host?: string; port?: number | string; database?: string; user?: string }
  function pgpass(connInfo: ConnInfo, cb: (password: string | undefined) => void): void;
  export default pgpass;
}
