/**
 * How fast the mesh registers its services: a few at a time, yielding to the event loop between
 * batches, so each batch's promise chains settle before the next begins and a plan or deployment
 * of a thousand services does not hold them all at once.
 */

/**
 * Services registered before yielding to the event loop. Registering everything at once keeps
 * every resource's promise chains alive together; batches let each one settle first. One service
 * at a time: a service's registrations allocate a few tens of MB of short-lived promise chains,
 * which then die within one young-generation collection; with five services in flight they
 * outgrew it, survived to be copied and promoted, and young-generation collections took about a
 * third of a 1,000-service plan.
 */
const BATCH_SIZE = 1;

/** Let registrations already started settle before starting more. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A step to await after registering each service: it yields every BATCH_SIZE services. */
export function batchStep(): () => Promise<void> {
  let registered = 0;
  return async () => {
    if (++registered % BATCH_SIZE === 0) await settle();
  };
}
