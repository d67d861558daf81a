import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { mergeConfig, type Plugin } from 'vitest/config';
import { projectTestConfig } from '../../vitest.shared';

// The page's files are imported as text, as the esbuild `loader` in package.json bundles them. A virtual module
// whose id does not end in `.css` (not `?raw`), because Vitest blanks every CSS import unless told otherwise.
const PAGE_FILE = /\.(html|css|svg|client\.js)$/;
const VIRTUAL_PREFIX = '\0page-text:';
const VIRTUAL_SUFFIX = '.text.js';
const pageFilesAsText: Plugin = {
  name: 'page-files-as-text',
  enforce: 'pre',
  resolveId(source, importer) {
    return importer && PAGE_FILE.test(source)
      ? VIRTUAL_PREFIX + resolve(dirname(importer), source) + VIRTUAL_SUFFIX
      : null;
  },
  load(id) {
    if (!id.startsWith(VIRTUAL_PREFIX)) return null;
    const file = id.slice(VIRTUAL_PREFIX.length, -VIRTUAL_SUFFIX.length);
    this.addWatchFile(file);
    return `export default ${JSON.stringify(readFileSync(file, 'utf8'))};`;
  },
};

export default mergeConfig(projectTestConfig('frontend'), { plugins: [pageFilesAsText] });
