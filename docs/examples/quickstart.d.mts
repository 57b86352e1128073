// Types for the demo script, so the test that runs it typechecks.
export {};
