import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_NAMES, loadConfig, redactedConfig } from '../../device/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('config', () => {
  it('has a default for everything except the optional MQTT settings', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.mediaWorkers).toBeGreaterThanOrEqual(1);
    expect(config.mqttUrl).toBeUndefined();
    expect(config.dataDir.startsWith('/')).toBe(true);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({ BRANCHLINE_PORT: '9090', BRANCHLINE_MEDIA_WORKERS: '3', BRANCHLINE_COOKIE_SECURE: 'true', BRANCHLINE_MQTT_URL: 'mqtts://broker.example:8883' });
    expect(config).toMatchObject({ port: 9090, mediaWorkers: 3, cookieSecure: true, mqttUrl: 'mqtts://broker.example:8883' });
    expect(Object.values(ENV_NAMES).every((name) => name.startsWith('BRANCHLINE_'))).toBe(true);
  });

  it.each([
    ['BRANCHLINE_PORT', 'eighty', /^BRANCHLINE_PORT: must be a whole number from 1 to 65535 \(got "eighty"\)$/],
    ['BRANCHLINE_PORT', '70000', /^BRANCHLINE_PORT: must be a whole number from 1 to 65535/],
    ['BRANCHLINE_PORT', '80.5', /^BRANCHLINE_PORT: must be a whole number/],
    ['BRANCHLINE_MEDIA_WORKERS', '0', /^BRANCHLINE_MEDIA_WORKERS: must be a whole number from 1 to 64/],
    ['BRANCHLINE_LOG_LEVEL', 'loud', /^BRANCHLINE_LOG_LEVEL: must be one of fatal, .* \(got "loud"\)/],
    ['BRANCHLINE_MQTT_URL', 'http://broker:1883', /BRANCHLINE_MQTT_URL: must be an mqtt:\/\/ or mqtts:\/\/ URL/],
    ['BRANCHLINE_COOKIE_SECURE', 'maybe', /^BRANCHLINE_COOKIE_SECURE: must be true, false, 1 or 0/],
    ['BRANCHLINE_DEVICE_ID', 'Branch Office #1', /BRANCHLINE_DEVICE_ID: lower-case letters/],
    ['BRANCHLINE_LOGIN_WINDOW_SECONDS', '-5', /^BRANCHLINE_LOGIN_WINDOW_SECONDS: must be a whole number from 1 to 86400/],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ BRANCHLINE_PORT: 'x', BRANCHLINE_LOG_LEVEL: 'y' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['BRANCHLINE_LOG_LEVEL', 'BRANCHLINE_PORT']);
  });

  it('rejects a misspelt BRANCHLINE_ variable instead of ignoring it', () => {
    expect(problemsOf({ BRANCHLINE_POTR: '8081' })).toEqual(['BRANCHLINE_POTR: not a Branchline setting (check the spelling)']);
  });

  it('needs the MQTT user name and password together', () => {
    expect(problemsOf({ BRANCHLINE_MQTT_USERNAME: 'device-1' })[0]).toMatch(/BRANCHLINE_MQTT_PASSWORD/);
  });

  it('never echoes the MQTT password in an error or in the logged config', () => {
    const problems = problemsOf({ BRANCHLINE_MQTT_USERNAME: 'u', BRANCHLINE_MQTT_PASSWORD: 'x'.repeat(300) });
    expect(problems.join('\n')).not.toContain('xxxxxxxx');
    const config = loadConfig({ BRANCHLINE_MQTT_USERNAME: 'u', BRANCHLINE_MQTT_PASSWORD: 's3cret-value' });
    expect(JSON.stringify(redactedConfig(config))).not.toContain('s3cret-value');
  });

  describe('config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-config-'));
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };

    it('is read, and the environment wins over it', () => {
      const path = file('ok.json', JSON.stringify({ port: 7000, logLevel: 'debug' }));
      const config = loadConfig({ BRANCHLINE_CONFIG_FILE: path, BRANCHLINE_PORT: '7001' });
      expect(config.port).toBe(7001);
      expect(config.logLevel).toBe('debug');
    });

    it('names the file and the key of a bad value', () => {
      const path = file('bad-value.json', JSON.stringify({ port: 'abc' }));
      expect(problemsOf({ BRANCHLINE_CONFIG_FILE: path })[0]).toMatch(new RegExp(`${path}: "port": `));
    });

    it('rejects malformed JSON, unknown keys and a missing file', () => {
      expect(problemsOf({ BRANCHLINE_CONFIG_FILE: file('broken.json', '{"port": ') })[0]).toMatch(/BRANCHLINE_CONFIG_FILE: .* is not valid JSON/);
      expect(problemsOf({ BRANCHLINE_CONFIG_FILE: file('unknown.json', '{"prot": 1}') })[0]).toMatch(/unknown setting "prot"/);
      expect(problemsOf({ BRANCHLINE_CONFIG_FILE: file('array.json', '[1]') })[0]).toMatch(/must hold a JSON object/);
      expect(problemsOf({ BRANCHLINE_CONFIG_FILE: join(dir, 'missing.json') })[0]).toMatch(/BRANCHLINE_CONFIG_FILE: cannot read/);
    });

    it('rejects an oversized file', () => {
      const path = file('huge.json', JSON.stringify({ host: 'h'.repeat(70_000) }));
      expect(problemsOf({ BRANCHLINE_CONFIG_FILE: path })[0]).toMatch(/larger than/);
    });
  });
});
