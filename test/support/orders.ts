/** An `Order Completed` track call as a shop sends it (Segment e-commerce spec v2). */
export function orderCompleted(userId: string, orderId: string, total: number, at: number) {
  return {
    type: 'track',
    userId,
    event: 'Order Completed',
    messageId: `order-${orderId}`,
    timestamp: new Date(at).toISOString(),
    properties: { order_id: orderId, total },
  };
}
