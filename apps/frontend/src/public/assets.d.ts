// The page's files are bundled as text (esbuild `loader` in package.json, a `?raw` resolver in vitest.config.ts).
declare module '*.html' {
  const text: string;
  export default text;
}
declare module '*.css' {
  const text: string;
  export default text;
}
declare module '*.client.js' {
  const text: string;
  export default text;
}
declare module '*.svg' {
  const text: string;
  export default text;
}
