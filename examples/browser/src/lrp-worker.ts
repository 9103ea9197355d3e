// The script of each worker of the pool page: the wasm backend with the page's bundled .wasm files (backend.ts
// registers it and calls setWasmPaths), then the worker side of LRPWebWorkerPool.
import './backend.js';
import { serveLRPWorker } from '@xai-ts/workers';

serveLRPWorker();
