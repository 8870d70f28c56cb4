/** SSH and RDP: the remote server administration ports the CIS and Security Hub controls name. */
export const REMOTE_ADMINISTRATION_PORTS = [22, 3389] as const;

/** The port checks whose findings say a port is open to the Internet. */
export const INTERNET_PORT_CHECKS = ['internet-admin-port', 'internet-high-risk-port', 'internet-all-ports'] as const;
