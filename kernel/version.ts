// The kernel's version, read from package.json at build time (esbuild inlines the one field): the Jupyter
// kernel_info reply and the language server's serverInfo both report it.

import { version } from "../package.json";

export const KERNEL_VERSION: string = version;
