import type { types } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Card } from './cards.js';

/** The slice of Slack the core needs. Everything else about Slack stays behind this seam. */
export interface SlackMessenger {
  post(channel: string, card: Card): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, card: Card): Promise<void>;
  ephemeral(channel: string, user: string, text: string): Promise<void>;
  /** A plain message, in a thread when `threadTs` is given (follow-ups, reminders, escalations). */
  postText(channel: string, text: string, threadTs?: string): Promise<{ channel: string; ts: string }>;
  permalink(channel: string, ts: string): Promise<string>;
  /** Members of a user group (subteam), cached briefly: approver checks run on every click. */
  usergroupMembers(usergroup: string): Promise<string[]>;
  openModal(triggerId: string, view: types.ModalView): Promise<void>;
  /** Shares a file in a channel (in a thread when `threadTs` is given) with a comment introducing it. */
  uploadFile(file: FileUpload): Promise<{ fileId: string }>;
}

export interface FileUpload {
  channel: string;
  threadTs?: string;
  name: string;
  title: string;
  bytes: Uint8Array;
  /** The message text shown with the file (mrkdwn). */
  comment: string;
}

const membersTtlMs = 5 * 60_000;
/** The bytes go to Slack's file service, outside the Web API client's own timeouts. */
const uploadTimeoutMs = 60_000;

export function webApiMessenger(client: WebClient, now: () => number = Date.now): SlackMessenger {
  const members = new Map<string, { at: number; users: string[] }>();
  return {
    async post(channel, card) {
      const res = await client.chat.postMessage({ channel, text: card.text, blocks: card.blocks, unfurl_links: false });
      if (!res.channel || !res.ts) throw new Error('chat.postMessage answered without channel and ts');
      return { channel: res.channel, ts: res.ts };
    },
    async update(channel, ts, card) {
      await client.chat.update({ channel, ts, text: card.text, blocks: card.blocks });
    },
    async ephemeral(channel, user, text) {
      await client.chat.postEphemeral({ channel, user, text });
    },
    async postText(channel, text, threadTs) {
      const res = await client.chat.postMessage({
        channel,
        text,
        unfurl_links: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      if (!res.channel || !res.ts) throw new Error('chat.postMessage answered without channel and ts');
      return { channel: res.channel, ts: res.ts };
    },
    async permalink(channel, ts) {
      const res = await client.chat.getPermalink({ channel, message_ts: ts });
      if (!res.permalink) throw new Error('chat.getPermalink answered without a permalink');
      return res.permalink;
    },
    async usergroupMembers(usergroup) {
      const cached = members.get(usergroup);
      if (cached && now() - cached.at < membersTtlMs) return cached.users;
      const res = await client.usergroups.users.list({ usergroup });
      const users = res.users ?? [];
      members.set(usergroup, { at: now(), users });
      return users;
    },
    async openModal(triggerId, view) {
      await client.views.open({ trigger_id: triggerId, view });
    },
    // Slack's external upload flow (files.upload is retired): reserve, send the bytes, share.
    async uploadFile(file) {
      const reserved = await client.files.getUploadURLExternal({ filename: file.name, length: file.bytes.byteLength });
      if (!reserved.upload_url || !reserved.file_id) throw new Error('files.getUploadURLExternal answered without upload_url and file_id');
      const sent = await fetch(reserved.upload_url, { method: 'POST', body: file.bytes, signal: AbortSignal.timeout(uploadTimeoutMs) });
      if (!sent.ok) throw new Error(`the file upload answered HTTP ${sent.status}`);
      const files: [{ id: string; title: string }] = [{ id: reserved.file_id, title: file.title }];
      await client.files.completeUploadExternal(
        file.threadTs
          ? { files, channel_id: file.channel, thread_ts: file.threadTs, initial_comment: file.comment }
          : { files, channel_id: file.channel, initial_comment: file.comment },
      );
      return { fileId: reserved.file_id };
    },
  };
}
