import type { WebClient } from '@slack/web-api';
import type { Card } from './cards.js';

/** The slice of Slack the core needs: post a card, update it, whisper to one user. */
export interface SlackMessenger {
  post(channel: string, card: Card): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, card: Card): Promise<void>;
  ephemeral(channel: string, user: string, text: string): Promise<void>;
}

export function webApiMessenger(client: WebClient): SlackMessenger {
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
  };
}
