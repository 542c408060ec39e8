/// <reference lib="webworker" />
// The engine's home off the main thread: all the logic is in dispatch.ts; this file only
// connects it to the worker's message port.
import { createDispatcher, messageChannelYield } from './dispatch';
import { realEngine } from './engineApi';
import { type RequestMessage, type ResponseMessage, serializeError } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const dispatcher = createDispatcher(realEngine, { yieldNow: messageChannelYield() });

function post(m: ResponseMessage): void {
  try {
    scope.postMessage(m);
  } catch (e) {
    // A result the structured clone refuses (DataCloneError, out of memory): the request
    // fails with the reason instead of leaving its promise waiting for ever.
    if (m.type === 'ok' || m.type === 'error')
      scope.postMessage({
        messageId: m.messageId,
        type: 'error',
        requestId: m.requestId,
        data: serializeError(e),
      } satisfies ResponseMessage);
  }
}

scope.addEventListener('message', (e: MessageEvent<RequestMessage>) => {
  const answer = dispatcher.handle(e.data, post);
  if (answer instanceof Promise) void answer.then(post);
  else post(answer);
});

scope.postMessage(dispatcher.ready());
