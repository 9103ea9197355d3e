// A pool worker that starts like src/lrp-worker.ts but crashes, instead of answering, as soon as it is asked to
// explain something: the pool page's failure check uses it.
import './backend.js';
import { serveLRP } from '@xai-ts/workers';

// The worker's global scope posts and listens as a Worker object does (this project's lib is DOM, not WebWorker).
const scope = self as unknown as Worker;
serveLRP({
  postMessage: (message, transfer) => scope.postMessage(message, transfer),
  listen: (onMessage) =>
    scope.addEventListener('message', (event: MessageEvent<{ type?: string }>) => {
      if (event.data.type !== 'analyze') onMessage(event.data);
      else
        setTimeout(() => {
          throw new Error('crash requested by the pool page');
        });
    }),
});
