// The provider documents the templates and checks come from, cited as a reader can find them:
// provider, the document's own title, and its public page where one is known.

interface ProviderDocument {
  provider: string;
  title: string;
  url?: string;
}

export const HUAWEI_DEFAULT_GROUPS: ProviderDocument = {
  provider: 'Huawei Cloud ECS User Guide',
  title: 'Default Security Groups and Rules',
  url: 'https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0603.html',
};

export const HUAWEI_SECURITY_GROUP: ProviderDocument = {
  provider: 'Huawei Cloud ECS User Guide',
  title: 'Security Group',
};

export const OTC_DEFAULT_GROUP: ProviderDocument = {
  provider: 'Open Telekom Cloud VPC User Guide',
  title: 'Default Security Group',
  url: 'https://docs.otc.t-systems.com/virtual-private-cloud/umn/',
};

export const ALIBABA_OVERVIEW: ProviderDocument = {
  provider: 'Alibaba Cloud ECS',
  title: 'Security group overview',
  url: 'https://www.alibabacloud.com/help/doc-detail/25387.htm',
};

/** `Provider, "Title", part <url>`: `part` names the section or table the claim rests on. */
export function cite(document: ProviderDocument, part?: string): string {
  const where = part === undefined ? '' : `, ${part}`;
  const url = document.url === undefined ? '' : ` <${document.url}>`;
  return `${document.provider}, "${document.title}"${where}${url}`;
}
