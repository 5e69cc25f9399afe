// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// @title Tandem server registry
/// @notice Stores the current signed record of each Tandem server (node), keyed by its Ed25519 key
/// (`ed25519:<base58btc>`), and orders the changes. The record holds the server's URL, offers and rewards and is
/// signed by that key; readers check the signature, this contract does not. What the contract does enforce is who
/// may change an entry (the address that registered it) and that `seq` only grows, so a relayed old record cannot
/// roll a server back.
/// @dev `seq` and the retired state are passed beside the record so the contract can order entries without parsing
/// JSON; readers ignore an entry whose record disagrees with them.
contract ServerRegistry {
  /// @notice Tells a client that these addresses hold what it expects (and not, say, the service registry).
  string public constant VERSION = "tandem-server-registry-v1";
  /// @notice Largest record accepted, in bytes: the same limit as Tandem's own (64 KiB).
  uint256 public constant MAX_RECORD_BYTES = 65536;
  /// @notice Longest key accepted, in bytes.
  uint256 public constant MAX_KEY_BYTES = 128;

  /// @notice The block this contract was created in: readers follow its events from there.
  uint256 public immutable deployedAt;
  /// @notice What an active server must have deposited, in wei (0: no deposit needed). Refunded on retirement.
  uint256 public immutable minDeposit;

  struct Entry {
    address owner;
    uint64 seq;
    bool retired;
    uint256 deposit;
    bytes record;
  }

  mapping(bytes32 => Entry) private entries;
  /// @notice How many servers were ever registered.
  uint256 public count;

  event ServerRegistered(
      bytes32 indexed keyHash, address indexed owner, string key, uint64 seq, uint256 deposit, bytes record);
  event ServerUpdated(
      bytes32 indexed keyHash, address indexed owner, string key, uint64 seq, uint256 deposit, bytes record);
  event ServerRetired(
      bytes32 indexed keyHash, address indexed owner, string key, uint64 seq, uint256 refunded, bytes record);
  event ServerTransferred(bytes32 indexed keyHash, address indexed from, address indexed to, string key);

  error NotOwner(string key, address caller, address owner);
  error NotRegistered(string key);
  error AlreadyRegistered(string key, address owner);
  error StaleSeq(string key, uint64 seq, uint64 storedSeq);
  error DepositTooLow(uint256 deposit, uint256 required);
  error BadKey(uint256 length, uint256 limit);
  error BadRecord(uint256 length, uint256 limit);
  error RefundFailed(address to, uint256 amount);
  error ZeroAddress();

  constructor(uint256 minDeposit_) {
    deployedAt = block.number;
    minDeposit = minDeposit_;
  }

  /// @notice Registers a new server; the caller becomes the entry's owner. Send at least `minDeposit` wei.
  function register(string calldata key, uint64 seq, bytes calldata record) external payable {
    uint256 keyLength = bytes(key).length;
    if (keyLength == 0 || keyLength > MAX_KEY_BYTES) revert BadKey(keyLength, MAX_KEY_BYTES);
    checkRecord(record);
    if (msg.value < minDeposit) revert DepositTooLow(msg.value, minDeposit);
    bytes32 keyHash = keccak256(bytes(key));
    Entry storage e = entries[keyHash];
    if (e.owner != address(0)) revert AlreadyRegistered(key, e.owner);
    e.owner = msg.sender;
    e.seq = seq;
    e.deposit = msg.value;
    e.record = record;
    count += 1;
    emit ServerRegistered(keyHash, msg.sender, key, seq, msg.value, record);
  }

  /// @notice Replaces the record with a newer one (higher `seq`), active again if it was retired; any value sent
  /// adds to the deposit, which must then reach `minDeposit`. Only the owner may.
  function update(string calldata key, uint64 seq, bytes calldata record) external payable {
    checkRecord(record);
    bytes32 keyHash = keccak256(bytes(key));
    Entry storage e = owned(key, keyHash);
    if (seq <= e.seq) revert StaleSeq(key, seq, e.seq);
    uint256 deposit = e.deposit + msg.value;
    if (deposit < minDeposit) revert DepositTooLow(deposit, minDeposit);
    e.seq = seq;
    e.retired = false;
    e.deposit = deposit;
    e.record = record;
    emit ServerUpdated(keyHash, msg.sender, key, seq, deposit, record);
  }

  /// @notice Stores the server's retiring record (higher `seq`, `retired: true`) and refunds its deposit to the
  /// owner. Only the owner may.
  function retire(string calldata key, uint64 seq, bytes calldata record) external {
    checkRecord(record);
    bytes32 keyHash = keccak256(bytes(key));
    Entry storage e = owned(key, keyHash);
    if (seq <= e.seq) revert StaleSeq(key, seq, e.seq);
    uint256 refund = e.deposit;
    // Effects before the transfer, so a re-entering owner finds the entry already retired and empty.
    e.seq = seq;
    e.retired = true;
    e.deposit = 0;
    e.record = record;
    emit ServerRetired(keyHash, msg.sender, key, seq, refund, record);
    if (refund > 0) {
      (bool ok,) = payable(msg.sender).call{value: refund}("");
      if (!ok) revert RefundFailed(msg.sender, refund);
    }
  }

  /// @notice Hands the entry (and its deposit) to `to`, e.g. when a node moves to a new Ethereum key.
  function transferOwnership(string calldata key, address to) external {
    if (to == address(0)) revert ZeroAddress();
    bytes32 keyHash = keccak256(bytes(key));
    Entry storage e = owned(key, keyHash);
    e.owner = to;
    emit ServerTransferred(keyHash, msg.sender, to, key);
  }

  /// @notice The entry of `key`; `owner` is the zero address when there is none.
  function server(string calldata key)
      external view returns (address owner, uint64 seq, bool retired, uint256 deposit, bytes memory record) {
    Entry storage e = entries[keccak256(bytes(key))];
    return (e.owner, e.seq, e.retired, e.deposit, e.record);
  }

  function owned(string calldata key, bytes32 keyHash) private view returns (Entry storage e) {
    e = entries[keyHash];
    if (e.owner == address(0)) revert NotRegistered(key);
    if (e.owner != msg.sender) revert NotOwner(key, msg.sender, e.owner);
  }

  function checkRecord(bytes calldata record) private pure {
    if (record.length == 0 || record.length > MAX_RECORD_BYTES) revert BadRecord(record.length, MAX_RECORD_BYTES);
  }
}
