/**
 * The Python index client (PEP 691 pages, PEP 658 core metadata) and what it is opened with.
 *
 * @module
 */
export {
  openPythonIndex,
  type PythonIndexClient,
  type PythonIndexOptions,
  pythonIndexUrl,
} from "./python_index_client.ts";
