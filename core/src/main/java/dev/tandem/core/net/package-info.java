/** Addresses: which URLs a server may announce (origins) and which a node agrees to contact (reach). */
package dev.tandem.core.net;
