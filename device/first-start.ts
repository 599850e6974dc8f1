import type { Accounts } from './accounts/index.js';
import type { Customers, NewCustomer } from './routing/index.js';

export interface FirstStartCredential {
  username: string;
  role: string;
  password: string;
}

const DEMO_AGENTS = [
  { username: 'agent.chen', displayName: '陳雅婷 Chen Ya-ting', language: 'zh-Hant', skillGroups: ['accounts', 'cards', 'loans', 'insurance', 'investment', 'fraud', 'general', 'vip'] },
  { username: 'agent.lee', displayName: 'Daniel Lee', language: 'en', skillGroups: ['orders', 'logistics', 'aftersales', 'payments', 'education', 'general'] },
] as const;

/** Demo customers for trying identification at the kiosk (listed in the README); numbers are not real. */
const DEMO_CUSTOMERS: NewCustomer[] = [
  { name: '王大明 Wang Da-ming', tier: 'vip', cardNumber: '4000001234567899', phone: '0912345678' },
  { name: 'Alex Chan', tier: 'standard', cardNumber: '4000009876543210', phone: '91234567' },
];

/**
 * On the very first start: the admin and two demo agents with one-time passwords, and the demo
 * customers. Returns the credentials to show once; empty on every later start.
 */
export async function createFirstStartAccounts(accounts: Accounts, customers: Customers): Promise<FirstStartCredential[]> {
  const admin = await accounts.ensureAdmin();
  if (!admin) return [];
  const credentials: FirstStartCredential[] = [{ ...admin, role: 'admin' }];
  for (const demo of DEMO_AGENTS) {
    const { password } = await accounts.createUser({ ...demo, skillGroups: [...demo.skillGroups], role: 'agent' });
    credentials.push({ username: demo.username, role: 'agent (demo)', password: password! });
  }
  for (const demo of DEMO_CUSTOMERS) await customers.add(demo);
  return credentials;
}
