/** Stops the dev server started by temporal-global-setup.ts. */
export default async function stopTemporalForTests(): Promise<void> {
  await globalThis.__temporalTestEnv?.teardown();
}
