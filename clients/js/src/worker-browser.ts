import { answer, READY, type RunMessage } from "./rerun.js";

// The re-run worker in a browser (a Web Worker; the bundle carries this file's build as a string).
const scope = globalThis as unknown as {
  onmessage: (e: { data: RunMessage }) => void;
  postMessage(message: unknown): void;
};
scope.onmessage = async (e) => scope.postMessage(await answer(e.data));
scope.postMessage(READY);
