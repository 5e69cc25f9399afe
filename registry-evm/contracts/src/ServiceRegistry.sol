// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// @title Tandem service registry
/// @notice Stores signed Tandem service records, keyed by service id, and orders them. The chain is only an ordering
/// and storage layer: each record carries its author's Ed25519 signature, which readers check; this contract does
/// not (Ed25519 costs too much gas to verify on chain).
/// @dev A service id is the CID of the unsigned record, so a service's content never changes: a new version is a new
/// id. What its owner may change is the entry: retire it (readers stop listing it) or hand it to another address.
contract ServiceRegistry {
  /// @notice Tells a client that these addresses hold what it expects (and not, say, the server registry).
  string public constant VERSION = "tandem-service-registry-v1";
  /// @notice Largest record accepted, in bytes: the same limit as Tandem's own (64 KiB).
  uint256 public constant MAX_RECORD_BYTES = 65536;
  /// @notice Longest id accepted, in bytes.
  uint256 public constant MAX_ID_BYTES = 128;

  /// @notice The block this contract was created in: readers follow its events from there.
  uint256 public immutable deployedAt;

  struct Entry {
    address owner;
    bool retired;
    bytes record;
  }

  mapping(bytes32 => Entry) private entries;
  /// @notice How many services were ever registered.
  uint256 public count;

  event ServiceRegistered(bytes32 indexed idHash, address indexed owner, string id, bytes record);
  event ServiceRetired(bytes32 indexed idHash, address indexed owner, string id);
  event ServiceTransferred(bytes32 indexed idHash, address indexed from, address indexed to, string id);

  error NotOwner(string id, address caller, address owner);
  error NotRegistered(string id);
  error AlreadyRegistered(string id, address owner);
  error AlreadyRetired(string id);
  error BadId(uint256 length, uint256 limit);
  error BadRecord(uint256 length, uint256 limit);
  error ZeroAddress();

  constructor() {
    deployedAt = block.number;
  }

  /// @notice Registers `record` (canonical signed JSON) under `id`; the caller becomes the entry's owner.
  function register(string calldata id, bytes calldata record) external {
    uint256 idLength = bytes(id).length;
    if (idLength == 0 || idLength > MAX_ID_BYTES) revert BadId(idLength, MAX_ID_BYTES);
    if (record.length == 0 || record.length > MAX_RECORD_BYTES) revert BadRecord(record.length, MAX_RECORD_BYTES);
    bytes32 idHash = keccak256(bytes(id));
    Entry storage e = entries[idHash];
    if (e.owner != address(0)) revert AlreadyRegistered(id, e.owner);
    e.owner = msg.sender;
    e.record = record;
    count += 1;
    emit ServiceRegistered(idHash, msg.sender, id, record);
  }

  /// @notice Withdraws the service: readers no longer list it. Only its owner may.
  function retire(string calldata id) external {
    bytes32 idHash = keccak256(bytes(id));
    Entry storage e = owned(id, idHash);
    if (e.retired) revert AlreadyRetired(id);
    e.retired = true;
    emit ServiceRetired(idHash, msg.sender, id);
  }

  /// @notice Hands the entry to `to`, e.g. when its owner moves to a new Ethereum key.
  function transferOwnership(string calldata id, address to) external {
    if (to == address(0)) revert ZeroAddress();
    bytes32 idHash = keccak256(bytes(id));
    Entry storage e = owned(id, idHash);
    e.owner = to;
    emit ServiceTransferred(idHash, msg.sender, to, id);
  }

  /// @notice The entry of `id`; `owner` is the zero address when there is none.
  function service(string calldata id) external view returns (address owner, bool retired, bytes memory record) {
    Entry storage e = entries[keccak256(bytes(id))];
    return (e.owner, e.retired, e.record);
  }

  function owned(string calldata id, bytes32 idHash) private view returns (Entry storage e) {
    e = entries[idHash];
    if (e.owner == address(0)) revert NotRegistered(id);
    if (e.owner != msg.sender) revert NotOwner(id, msg.sender, e.owner);
  }
}
