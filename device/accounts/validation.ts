import { z } from 'zod';
import { LANGUAGES, ROLES } from '../store/index.js';

// Bounded so that a huge password cannot make scrypt the cost of a request.
export const passwordSchema = z.string().min(10, 'password must have at least 10 characters').max(256, 'password must have at most 256 characters');

const displayNameSchema = z.string().trim().min(1).max(80);
const skillGroupsSchema = z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'skill group: lower-case letters, digits and dashes')).max(20);

export const newUserSchema = z.strictObject({
  username: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{2,31}$/, 'username: 3-32 lower-case letters, digits, dot, dash or underscore'),
  displayName: displayNameSchema,
  language: z.enum(LANGUAGES),
  skillGroups: skillGroupsSchema.default([]),
  role: z.enum(['agent', 'supervisor']).default('agent'),
  password: passwordSchema.optional(),
});

/** An admin's edit of a user: any of these fields, nothing else (the username and password have their own ways). */
export const userChangeSchema = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    displayName: displayNameSchema.optional(),
    language: z.enum(LANGUAGES).optional(),
    skillGroups: skillGroupsSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((change) => Object.keys(change).length > 0, 'name at least one of role, displayName, language, skillGroups, disabled');

export const newKioskSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  location: z.string().trim().max(120).default(''),
  language: z.enum(LANGUAGES).default('zh-Hant'),
});

export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

export type NewUser = Omit<z.output<typeof newUserSchema>, 'role'>;
export type NewKiosk = z.output<typeof newKioskSchema>;
export type UserChange = z.output<typeof userChangeSchema>;
