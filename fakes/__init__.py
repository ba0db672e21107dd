"""Faithful local fakes of the outside services, on real sockets, for tests and benchmarks."""
