// simple-peer's debug logging is compiled out of the browser bundle. CommonJS because
// simple-peer calls the module itself: require('debug')('simple-peer').
module.exports = () => () => {};
