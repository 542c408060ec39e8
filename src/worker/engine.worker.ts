/// <reference lib="webworker" />
// The engine's home off the main thread: all the logic is in dispatch.ts; this file only
// connects it to the worker's message port.
import { createDispatcher, messageChannelYield } from './dispatch';
import { elideEcho, longStrings } from './echo';
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
  // The answer leaves out the long strings the request brought (echo.ts): the client has them.
  const sent = longStrings(e.data.data);
  const send = (m: ResponseMessage): void =>
    post(m.type === 'ok' && sent.length > 0 ? { ...m, data: elideEcho(m.data, sent) } : m);
  const answer = dispatcher.handle(e.data, post);
  if (answer instanceof Promise) void answer.then(send);
  else send(answer);
});

scope.postMessage(dispatcher.ready());
