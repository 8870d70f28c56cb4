import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from './context.ts';

// `app_home_opened` on the Home tab: queued for the worker, which decides what the person may see and
// publishes their Home (src/slack/home.ts). Reading the posture takes longer than Slack waits for an event.

type HomeOpenedArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

export function homeOpenedListener(ctx: ListenerContext) {
  return async ({ event, body }: HomeOpenedArgs): Promise<void> => {
    if (event.tab !== 'home' || !event.user) return;
    const eventId = (body as { event_id?: string }).event_id ?? `${event.user}:${event.event_ts}`;
    const requestId = `event:${eventId}`;
    if (!(await ctx.store.idempotency.claim(requestId, 3600, ctx.now()))) return;
    await ctx.queue.enqueue({ kind: 'home', args: {}, user: event.user, channel: '', requestId });
  };
}
