import { chromium } from '@playwright/test';
const base = 'http://127.0.0.1:18081';
const b = await chromium.launch({ logger: { isEnabled: () => true, log: (n, s, m) => { if (/stderr|crash/i.test(String(m))) console.log('PW', n, m); } }, executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--use-fake-device-for-media-stream','--use-fake-ui-for-media-stream','--use-file-for-fake-video-capture=/tmp/branchline-fake-media/camera.y4m','--use-file-for-fake-audio-capture=/tmp/branchline-fake-media/microphone.wav'] });
const admin = await b.newContext(); const r = admin.request;
await r.post(base+'/api/auth/login', { data: { username: 'admin', password: '5dvAfRHfQVeRPHyg' } });
const k = await (await r.post(base+'/api/admin/kiosks', { data: { name: 'K1' } })).json();
await r.post(base+'/api/admin/users', { data: { username: 'a1.agent', displayName: 'A1', language: 'en', password: 'agent password 1' } });
const kc = await b.newContext(); await kc.addInitScript(([t]) => { localStorage.setItem('branchline.kioskToken', t); localStorage.setItem('branchline.kioskLanguage', 'en'); }, [k.token]);
const kp = await kc.newPage(); kp.on('console', m => console.log('KIOSK', m.type(), m.text())); kp.on('pageerror', e => console.log('KIOSK ERR', e.message)); kp.on('crash', () => console.log('KIOSK CRASH')); b.on('disconnected', () => console.log('BROWSER GONE'));
await kp.goto(base+'/kiosk');
const ac = await b.newContext(); const ap = await ac.newPage(); ap.on('console', m => console.log('AGENT', m.type(), m.text())); ap.on('pageerror', e => console.log('AGENT ERR', e.message)); ap.on('crash', () => console.log('AGENT CRASH'));
await ap.goto(base+'/agent'); await ap.getByLabel('Username').fill('a1.agent'); await ap.getByLabel('Password').fill('agent password 1'); await ap.getByRole('button', { name: 'Sign in' }).click();
await ap.getByRole('radio', { name: 'Available' }).click();
await kp.waitForTimeout(1000);
await kp.getByRole('button', { name: /Talk to an agent/ }).click();
await ap.getByRole('button', { name: 'Accept next customer' }).click();
for (let i = 0; i < 8; i++) { await kp.waitForTimeout(1000); console.log('frames', await kp.getByTestId('quality').getAttribute('data-frames-decoded').catch(e => 'none'), await ap.getByTestId('quality').getAttribute('data-frames-decoded').catch(e => 'none')); }
await kp.screenshot({ path: '/tmp/kcall.png' }); await ap.getByRole('button', { name: 'End call' }).click(); await kp.waitForTimeout(3000); await ap.screenshot({ path: '/tmp/acall.png' });
await b.close();
