/** This panel's version; the server's `GET version` answer should carry the same one. */
export const FRONTEND_VERSION = '0.1.0';
