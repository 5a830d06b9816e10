/**
 * `@peculiar/x509` set up for Node: the Reflect polyfill its dependency injection needs, and Node's
 * WebCrypto as its crypto provider. Every module of the trust folder imports the library from here, so
 * the set-up runs before any certificate is built.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Node's WebCrypto, as the provider the library uses for every key and signature. */
export const crypto = webcrypto;
// Node's and the DOM's typings of WebCrypto differ in details the library does not use; the object is
// the standard one.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0] & object);

export { x509 };

/** ECDSA on P-256 with SHA-256: the key and signature algorithm of the CA and of every certificate it issues. */
export const EC_P256: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
};

/** A WebCrypto key. */
export type CryptoKey = webcrypto.CryptoKey;
/** A WebCrypto key pair. */
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
