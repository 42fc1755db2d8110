import { getHeapStatistics } from 'node:v8';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, createWorkerResources } from './activities';
import { keepAliveInterceptor } from './activities/keep-alive';
import { type Config } from './config/schema';
import { readSecrets } from './config/secrets';
import { createLogger, type Logger } from './logging/logger';
import { PinoTemporalLogger } from './logging/temporal-logger';
import { dynamicsLoad } from './metrics/dynamics-load';
import { startDynamicsSeries } from './metrics/dynamics-series';
import { telemetryOptions } from './metrics/telemetry';
import { codecDataConverter } from './temporal/codec';
import { connectionOptions, temporalSettings } from './temporal/connection-settings';
import { workflowCode } from './workflow-code';
import { failureReason, shutdownTimes, watchStopRequest, WorkerFailedError } from './worker-shutdown';

export interface RunWorkerOptions {
  config: Config;
  logger?: Logger;
  /** Environment to read secrets and Temporal overrides from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Called once the worker polls its task queue. */
  onReady?: (info: { address: string; namespace: string; taskQueue: string }) => void;
}

/**
 * Runs the worker until SIGINT or SIGTERM: then it stops polling, lets running activities finish for up to
 * `worker.shutdownGraceTime` (cancelling those still running after it: they are retried elsewhere), and returns.
 * Throws {@link WorkerFailedError} when the worker failed while running (the caller then ends the process).
 * Secrets and payload encryption keys are read first: a missing one stops the worker before it connects, naming the
 * variable.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const logger = options.logger ?? createLogger({ bindings: { component: 'worker' } });
  const secrets = readSecrets(options.config, options.env);
  const settings = temporalSettings(options.config.temporal, secrets.temporalApiKey, options.env);
  const dataConverter = codecDataConverter(options.config.temporal, options.env);

  installRuntimeOnce(logger, options.config.worker);
  const connection = await NativeConnection.connect(connectionOptions(settings));
  const resources = createWorkerResources(options.config, secrets, logger);
  const stopDynamicsSeries = startDynamicsSeries(Runtime.instance().metricMeter, () =>
    dynamicsLoad(resources.dynamicsIfMade())
  );
  const times = shutdownTimes(options.config.worker);
  const stopRequest = watchStopRequest();
  let worker: Worker | undefined;
  try {
    worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      ...workflowCode(dataConverter),
      activities: createActivities({ resources }),
      interceptors: { activity: [keepAliveInterceptor] },
      ...times,
      ...(dataConverter ? { dataConverter } : {}),
    });
    logger.info(
      {
        address: settings.address,
        namespace: settings.namespace,
        taskQueue: settings.taskQueue,
        payloadEncryption: dataConverter ? `on (key ${options.config.temporal.encryption?.currentKeyId})` : 'off',
        metrics: options.config.worker.metricsAddress
          ? `http://${options.config.worker.metricsAddress}/metrics`
          : 'off',
        shutdownGraceTime: options.config.worker.shutdownGraceTime,
        // What bounds the worker's memory: the image sets it (NODE_OPTIONS), Node's default is a share of the RAM.
        heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      },
      'worker started'
    );
    options.onReady?.({ address: settings.address, namespace: settings.namespace, taskQueue: settings.taskQueue });
    await worker.run();
    logger.info('worker stopped');
  } catch (err) {
    if (worker?.getState() !== 'FAILED') throw err;
    throw new WorkerFailedError(failureReason(err, stopRequest.stoppingForMs(), times.shutdownForceTime), {
      cause: err,
    });
  } finally {
    stopRequest.dispose();
    stopDynamicsSeries();
    // A failed worker's activities may still hold the connection and the clients: closing them would fail or wait.
    if (worker?.getState() !== 'FAILED') {
      await resources.close();
      await connection.close();
    }
  }
}

let runtimeInstalled = false;

/**
 * The SDK runtime is a process-wide singleton: it serves the metrics (when configured), and turns SIGINT/SIGTERM into
 * a graceful worker shutdown.
 */
function installRuntimeOnce(logger: Logger, worker: Config['worker']): void {
  if (runtimeInstalled) return;
  const telemetry = telemetryOptions(worker);
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    ...(telemetry ? { telemetryOptions: telemetry } : {}),
  });
  runtimeInstalled = true;
}
