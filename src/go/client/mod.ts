/**
 * The Go bridge's network edge (`@mochi/pkg/go/client`): the module proxy client over a
 * GOPROXY-style list and the checksum-database client that keeps the newest verified tree head.
 *
 * @module
 */
export {
  type FromProxy,
  type GoProxyClient,
  type GoProxyEntry,
  type GoVersionInfo,
  MAX_GO_METADATA_BYTES,
  MAX_GO_ZIP_BYTES,
  openGoProxy,
  parseGoProxyList,
} from "./proxy_client.ts";
export {
  DEFAULT_GO_SUMDB_KEY,
  GO_SUMDB_TILE_HEIGHT,
  type GoSumdbClient,
  type GoSumdbConfig,
  type GoSumdbLookup,
  type GoSumdbOptions,
  MAX_SUMDB_ANSWER_BYTES,
  openGoSumdb,
  parseGoSumdb,
  sumdbSkippedBy,
} from "./sumdb_client.ts";
