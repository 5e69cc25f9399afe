// hello: a tandem-v1 service in AssemblyScript.
//   {"method":"hello","params":P}  ->  {"result":{"hello":P}}
//   any other method               ->  {"error":{"code":-32601,"message":"method not found"}}
// Build: npx asc hello.ts -O3 --runtime stub --noAssert --use abort= -o hello-as.wasm

// The host writes the request here. Every call gets a fresh instance, so nothing is ever freed.
export function tandem_alloc(len: i32): i32 {
  return <i32>heap.alloc(<usize>len);
}

// The request is canonical JSON (RFC 8785), so a call of "hello" always starts with exactly this prefix.
const PREFIX = '{"method":"hello","params":';

export function tandem_call(ptr: i32, len: i32): i64 {
  const request = String.UTF8.decodeUnsafe(<usize>ptr, <usize>len);
  let response: string;
  if (request.startsWith(PREFIX)) {
    const params = request.substring(PREFIX.length, request.length - 1);
    response = '{"result":{"hello":' + params + '}}';
  } else {
    response = '{"error":{"code":-32601,"message":"method not found"}}';
  }
  const out = String.UTF8.encode(response);
  return (i64(changetype<usize>(out)) << 32) | i64(out.byteLength);
}
