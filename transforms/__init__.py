"""Pure normalisation logic: raw sign-up fields in, plain records or reasons out; no I/O."""
