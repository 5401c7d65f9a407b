/** simple-peer's debug logging is compiled out of the browser bundle. */
const createDebug = (): ((...args: unknown[]) => void) => () => {};
export default createDebug;
