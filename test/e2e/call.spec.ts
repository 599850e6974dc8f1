import { execFileSync, spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { asAdmin, createAgent, createKiosk } from './admin-api.js';
import { expectFramesFlowing, openAvailableAgent, openKiosk } from './call-helpers.js';

test('a kiosk customer and an agent hold a video call through the appliance, chat, mute and end it', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const token = await createKiosk(request, 'Video kiosk');
  await createAgent(request, 'video.agent', 'video agent password', 'Lin Wei');

  const { context: kioskContext, page: kiosk } = await openKiosk(browser, token);
  await expect(kiosk.getByText('Kiosk: Video kiosk')).toBeVisible();

  const { context: agentContext, page: agent } = await openAvailableAgent(browser, 'video.agent', 'video agent password');
  await expect(agent.getByText('No customers waiting in your skill groups.')).toBeVisible();

  // The agent is available, so the request is connected straight away.
  await kiosk.getByRole('button', { name: /Talk to an agent/ }).click();

  await expect(kiosk.getByText('Lin Wei')).toBeVisible();
  await expect(agent.getByText('Video kiosk')).toBeVisible();
  await expectFramesFlowing(kiosk);
  await expectFramesFlowing(agent);

  // The SFU itself forwarded both directions, audio and video.
  const admin = await asAdmin(request);
  const calls = (await (await admin.get('/api/calls')).json()) as { calls: { id: string; endedAt: string | null }[] };
  const live = calls.calls.find((c) => c.endedAt === null)!;
  const media = (await (await admin.get(`/api/calls/${live.id}/media`)).json()) as { consumerBytes: Record<string, Record<string, number>> };
  for (const role of ['customer', 'agent']) {
    expect(media.consumerBytes[role]!.audio).toBeGreaterThan(0);
    expect(media.consumerBytes[role]!.video).toBeGreaterThan(0);
  }

  await kiosk.getByPlaceholder('Type a message…').fill('Hello, I lost my card');
  await kiosk.getByRole('button', { name: 'Send' }).click();
  await expect(agent.getByTestId('chat')).toContainText('Hello, I lost my card');
  await agent.getByPlaceholder('Message to the customer…').fill('I can block it for you right away');
  await agent.getByRole('button', { name: 'Send' }).click();
  await expect(kiosk.getByTestId('chat')).toContainText('I can block it for you right away');

  await agent.getByRole('button', { name: 'Mute' }).click();
  await expect(kiosk.getByText('Agent muted')).toBeVisible();
  await agent.getByRole('button', { name: 'Unmute' }).click();
  await expect(kiosk.getByText('Agent muted')).toHaveCount(0);
  await kiosk.getByRole('button', { name: 'Camera off' }).click();
  await expect(agent.getByText('Customer camera off')).toBeVisible();

  await agent.getByRole('button', { name: 'End call' }).click();
  await expect(agent.getByTestId('call-ended')).toHaveText('You ended the call.');
  await expect(kiosk.getByTestId('call-ended')).toHaveText('The agent ended the call. Thank you for visiting.');

  const record = (await (await admin.get(`/api/calls/${live.id}`)).json()) as { call: Record<string, unknown> };
  expect(record.call).toMatchObject({ endReason: 'agent-ended', chat: [{ from: 'customer', text: 'Hello, I lost my card' }, { from: 'agent', text: 'I can block it for you right away' }] });
  expect(Date.parse(record.call.answeredAt as string)).toBeGreaterThanOrEqual(Date.parse(record.call.requestedAt as string));
  const callSeconds = (Date.parse(record.call.endedAt as string) - Date.parse(record.call.answeredAt as string)) / 1000;
  expect(callSeconds).toBeGreaterThan(3);

  // The recording: one playable Opus file, customer and agent each on a channel with sound, as long as the call.
  await expect.poll(async () => ((await (await admin.get(`/api/calls/${live.id}`)).json()) as { call: { recording: string | null } }).call.recording, { timeout: 15_000 }).not.toBeNull();
  const file = ((await (await admin.get(`/api/calls/${live.id}`)).json()) as { call: { recording: string } }).call.recording;
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString());
  expect(probe.streams[0]).toMatchObject({ codec_name: 'opus', channels: 2 });
  expect(Math.abs(Number(probe.format.duration) - callSeconds)).toBeLessThan(3);
  for (const channel of ['FL', 'FR']) {
    // volumedetect reports on stderr.
    const stats = spawnSync('ffmpeg', ['-v', 'info', '-i', file, '-af', `pan=mono|c0=${channel},volumedetect`, '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
    expect(Number(/max_volume: (-?[\d.]+) dB/.exec(stats)?.[1] ?? -91)).toBeGreaterThan(-40);
  }
  // Both sides' fake microphones spoke: the call's talk statistics say so, for quality inspection.
  const talk = (await (await admin.get(`/api/sense/calls/${live.id}/stats`)).json()) as { stats: { customerTalkMs: number; agentTalkMs: number; overlapMs: number; silenceMs: number } };
  expect(talk.stats.customerTalkMs).toBeGreaterThan(1000);
  expect(talk.stats.agentTalkMs).toBeGreaterThan(1000);
  expect(talk.stats.customerTalkMs + talk.stats.agentTalkMs - talk.stats.overlapMs + talk.stats.silenceMs).toBeGreaterThan(callSeconds * 500);
  await kioskContext.close();
  await agentContext.close();
});

test('a mute pressed the moment the call starts still reaches the other side', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const token = await createKiosk(request, 'Early mute kiosk');
  await createAgent(request, 'early.agent', 'early agent password', 'Kao Min');
  const { context: kioskContext, page: kiosk } = await openKiosk(browser, token);
  const { context: agentContext, page: agent } = await openAvailableAgent(browser, 'early.agent', 'early agent password');
  await expect(agent.getByText('No customers waiting in your skill groups.')).toBeVisible();
  await kiosk.getByRole('button', { name: /Talk to an agent/ }).click();

  // Pressed while both sides are still setting up their media: the pause must win over the producer's
  // first announced state, however the two cross on the way.
  await agent.getByRole('button', { name: 'Mute' }).click();
  await expect(kiosk.getByText('Agent muted')).toBeVisible({ timeout: 20_000 });
  await expectFramesFlowing(kiosk);
  await expect(kiosk.getByText('Agent muted')).toBeVisible();
  await agent.getByRole('button', { name: 'Unmute' }).click();
  await expect(kiosk.getByText('Agent muted')).toHaveCount(0);
  await agent.getByRole('button', { name: 'End call' }).click();
  await expect(kiosk.getByTestId('call-ended')).toBeVisible();
  await kioskContext.close();
  await agentContext.close();
});
