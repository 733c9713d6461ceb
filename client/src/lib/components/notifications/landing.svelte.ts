/**
 * A click on a notification asks for a landing: even when the link's URL is the page's
 * already (the router then does nothing), the thread or amendment is brought into view
 * again. NotificationLanding follows this counter as well as the URL.
 */
export const landing = $state({ requests: 0 });

export function requestLanding(): void {
  landing.requests += 1;
}
