import { z } from 'zod';
import { LANGUAGES } from '../store/index.js';

// Bounded so that a huge password cannot make scrypt the cost of a request.
export const passwordSchema = z.string().min(10, 'password must have at least 10 characters').max(256, 'password must have at most 256 characters');

export const newUserSchema = z.strictObject({
  username: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{2,31}$/, 'username: 3-32 lower-case letters, digits, dot, dash or underscore'),
  displayName: z.string().trim().min(1).max(80),
  language: z.enum(LANGUAGES),
  skillGroups: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'skill group: lower-case letters, digits and dashes')).max(20).default([]),
  role: z.enum(['agent', 'supervisor']).default('agent'),
  password: passwordSchema.optional(),
});

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
