import { z } from 'zod';
import { idParams, languageSchema, LANGUAGES, noContent, responses, ROLES } from './common.js';

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

/** A staff account as the appliance shows it: never its password hash. */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  language: languageSchema,
  skillGroups: z.array(z.string()),
  createdAt: z.string(),
  disabled: z.boolean(),
});
export type User = z.infer<typeof userSchema>;

/** A kiosk as the appliance shows it: never its token hash. */
export const kioskSchema = z.object({
  id: z.string(),
  name: z.string(),
  location: z.string(),
  language: languageSchema,
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  /** Emotion analysis of this kiosk's customers (shown to them when on). */
  analysisEnabled: z.boolean(),
});
export type Kiosk = z.infer<typeof kioskSchema>;

export const authApi = {
  login: { body: loginSchema, response: responses({ 200: z.object({ user: userSchema, expiresAt: z.string() }) }) },
  logout: { response: responses({ 204: noContent }) },
  me: { response: responses({ 200: z.object({ user: userSchema }) }) },
};

export const adminApi = {
  listUsers: { response: responses({ 200: z.object({ users: z.array(userSchema) }) }) },
  // A password the admin did not choose is shown once, in this answer.
  createUser: { body: newUserSchema, response: responses({ 201: z.object({ user: userSchema, password: z.string().optional() }) }) },
  updateUser: { params: idParams, body: userChangeSchema, response: responses({ 200: z.object({ user: userSchema }) }) },
  removeUser: { params: idParams, response: responses({ 204: noContent }) },
  resetPassword: { params: idParams, response: responses({ 200: z.object({ password: z.string() }) }) },
  listKiosks: { response: responses({ 200: z.object({ kiosks: z.array(kioskSchema) }) }) },
  // The device token is shown once, in this answer.
  createKiosk: { body: newKioskSchema, response: responses({ 201: z.object({ kiosk: kioskSchema, token: z.string() }) }) },
  revokeKiosk: { params: idParams, response: responses({ 204: noContent }) },
  setKioskAnalysis: { params: idParams, body: z.strictObject({ enabled: z.boolean() }), response: responses({ 200: z.object({ kiosk: kioskSchema }) }) },
};
