import {
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  type BinaryOperationNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/** Longer lists keep their length: padding them could pass SQLite's limit on bound values. */
const largestPadded = 1_024;

/** The next power of two, the length an `in` list of `length` values is padded to. */
export function paddedLength(length: number): number {
  if (length === 0 || length > largestPadded) return length;
  let size = 1;
  while (size < length) size *= 2;
  return size;
}

class InListPadder extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode, queryId?: QueryId): BinaryOperationNode {
    const transformed = super.transformBinaryOperation(node, queryId);
    const { operator, rightOperand: list } = transformed;
    const isIn = OperatorNode.is(operator) && (operator.operator === 'in' || operator.operator === 'not in');
    if (!isIn || !PrimitiveValueListNode.is(list)) return transformed;
    const length = paddedLength(list.values.length);
    if (length === list.values.length) return transformed;
    // A value repeated changes neither `in` nor `not in`.
    const padding = Array.from({ length: length - list.values.length }, () => list.values[list.values.length - 1]);
    return { ...transformed, rightOperand: PrimitiveValueListNode.create([...list.values, ...padding]) };
  }
}

/**
 * Pads every `in (…)` list of primitive values to a power of two. On SQLite each SQL text is a
 * prepared statement of its own (the connection's statement cache): with a text for every length
 * of list, processing with every stage prepared 929 texts over the demo log, and `hearth serve`
 * about 3,100 statements as it took batches of every size. Padded, the lengths of a list are at
 * most eleven.
 */
export class InListBucketsPlugin implements KyselyPlugin {
  readonly #padder = new InListPadder();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#padder.transformNode(args.node, args.queryId);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
