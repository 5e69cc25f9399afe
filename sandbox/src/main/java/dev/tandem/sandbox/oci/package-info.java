/**
 * OCI services: digest-pinned container images run under podman with the same isolation and limits wherever they
 * run, on a node serving calls or in a client re-running a disputed one. Containers promise neither determinism nor
 * fuel; verification catches servers whose answers differ, as for WebAssembly.
 */
package dev.tandem.sandbox.oci;
