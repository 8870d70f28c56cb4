// Huawei/OTC port and EIP records as the APIs answer them, for snapshot pages and normalizer tests.

type Fields = Record<string, unknown>;

/** A port as Huawei ListPorts (GET /v1/{project_id}/ports) answers it, on an ECS, port security enabled. */
export function portRecord(project: string, id: string, groups: string[], fields: Fields = {}): Fields {
  return {
    id,
    name: '',
    network_id: 'net-1',
    admin_state_up: true,
    mac_address: 'fa:16:3e:00:00:01',
    fixed_ips: [{ ip_address: '192.168.0.10', subnet_id: 'subnet-1' }],
    device_id: `ecs-${id}`,
    device_owner: 'compute:cn-north-4a',
    tenant_id: project,
    status: 'ACTIVE',
    security_groups: groups,
    port_security_enabled: true,
    ...fields,
  };
}

/** An EIP as Huawei ListPublicips (GET /v1/{project_id}/publicips) answers it, bound to `portId` or to nothing. */
export function eipRecord(project: string, address: string, portId: string | undefined, fields: Fields = {}): Fields {
  return {
    id: `eip-${address}`,
    status: portId === undefined ? 'DOWN' : 'ACTIVE',
    type: '5_bgp',
    public_ip_address: address,
    ip_version: 4,
    tenant_id: project,
    ...(portId === undefined ? {} : { port_id: portId, private_ip_address: '192.168.0.10' }),
    ...fields,
  };
}
