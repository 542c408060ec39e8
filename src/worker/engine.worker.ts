/// <reference lib="webworker" />
// The engine's home off the main thread: all the logic is in dispatch.ts; this file only
// connects it to the worker's message port.
import { createDispatcher } from './dispatch';
import { realEngine } from './engineApi';
import type { RequestMessage } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const dispatcher = createDispatcher(realEngine);

scope.addEventListener('message', (e: MessageEvent<RequestMessage>) => {
  scope.postMessage(dispatcher.handle(e.data));
});

scope.postMessage(dispatcher.ready());
