import type { z } from 'zod';
import type { newKioskSchema, newUserSchema, userChangeSchema } from '../../protocol/api/index.js';

// The schemas are the wire's (protocol/api): the admin routes validate with them and the web app shares them.
export { loginSchema, newKioskSchema, newUserSchema, userChangeSchema } from '../../protocol/api/index.js';

export type NewUser = Omit<z.output<typeof newUserSchema>, 'role'>;
export type NewKiosk = z.output<typeof newKioskSchema>;
export type UserChange = z.output<typeof userChangeSchema>;
