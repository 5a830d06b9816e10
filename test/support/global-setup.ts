/** Vitest global setup: nothing shared yet beyond the compiled build (tests that spawn the CLI need dist/). */
export default function setup(): void {}
