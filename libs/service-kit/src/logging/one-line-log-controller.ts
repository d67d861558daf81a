import { RequestObserver } from './request-observer';

/** Logs one line per completed request and records no metrics (RequestObserver with its defaults). */
export class OneLineLogController extends RequestObserver {
  constructor() {
    super({ logRequests: true });
  }
}

/** Logs nothing per request (the ceiling configuration of the benchmarks); errors are still logged. */
export class SilentRequestLogController extends RequestObserver {
  constructor() {
    super({ logRequests: false });
  }
}
