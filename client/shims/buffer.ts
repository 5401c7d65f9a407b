/** simple-peer wraps incoming data-channel ArrayBuffers with Buffer.from; bytes are enough here. */
export const Buffer = {
  from: (data: ArrayBuffer): Uint8Array => new Uint8Array(data),
};
