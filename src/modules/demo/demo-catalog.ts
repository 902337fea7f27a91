/**
 * The fixed world of the demo brand: its products, and the names, cities and screens its members
 * use. Prices are in fen (integer minor units) so baskets add up exactly; messages show yuan.
 */
export type Category = 'milk powder' | 'diapers' | 'complementary food' | 'wipes' | 'toys' | 'books' | 'skin care';

/** Which stage of family life a product is bought for; `any` fits every stage. */
export type LifeStage = 'pregnancy' | 'newborn' | 'infant' | 'toddler' | 'preschool' | 'any';

export interface Product {
  productId: string;
  sku: string;
  name: string;
  category: Category;
  priceFen: number;
  stages: readonly LifeStage[];
}

function product(
  productId: string,
  sku: string,
  name: string,
  category: Category,
  priceFen: number,
  stages: readonly LifeStage[],
): Product {
  return { productId, sku, name, category, priceFen, stages };
}

export const products: readonly Product[] = [
  product('P1001', 'MP-M-800', '暖暖孕妈配方奶粉 800g', 'milk powder', 22_800, ['pregnancy']),
  product('P1011', 'MP-S1-800', '暖暖有机婴儿配方奶粉 1段 800g', 'milk powder', 35_800, ['newborn']),
  product('P1012', 'MP-S2-800', '暖暖有机较大婴儿配方奶粉 2段 800g', 'milk powder', 34_800, ['infant']),
  product('P1013', 'MP-S3-800', '暖暖有机幼儿配方奶粉 3段 800g', 'milk powder', 31_800, ['toddler']),
  product('P1014', 'MP-S4-800', '暖暖儿童成长奶粉 4段 800g', 'milk powder', 26_800, ['preschool']),
  product('P1021', 'MP-A2-S1-900', '暖暖A2蛋白婴儿奶粉 1段 900g', 'milk powder', 42_900, ['newborn']),
  product('P1022', 'MP-A2-S3-900', '暖暖A2蛋白幼儿奶粉 3段 900g', 'milk powder', 39_900, ['toddler']),
  product('P2001', 'DP-NB-84', '暖暖云柔纸尿裤 NB 84片', 'diapers', 12_900, ['newborn']),
  product('P2002', 'DP-S-72', '暖暖云柔纸尿裤 S 72片', 'diapers', 12_900, ['newborn']),
  product('P2003', 'DP-M-60', '暖暖云柔纸尿裤 M 60片', 'diapers', 13_900, ['infant']),
  product('P2004', 'DP-L-52', '暖暖云柔纸尿裤 L 52片', 'diapers', 13_900, ['infant', 'toddler']),
  product('P2005', 'DP-XL-44', '暖暖云柔纸尿裤 XL 44片', 'diapers', 14_900, ['toddler']),
  product('P2011', 'PU-XL-40', '暖暖成长拉拉裤 XL 40片', 'diapers', 15_900, ['toddler']),
  product('P2012', 'PU-XXL-36', '暖暖成长拉拉裤 XXL 36片', 'diapers', 16_900, ['toddler', 'preschool']),
  product('P3001', 'CF-RICE-225', '高铁有机米粉 225g', 'complementary food', 5_800, ['infant']),
  product('P3002', 'CF-PUREE-6', '有机果泥组合 6袋', 'complementary food', 7_740, ['infant', 'toddler']),
  product('P3003', 'CF-NOODLE-200', '宝宝营养面条 200g', 'complementary food', 2_990, ['toddler']),
  product('P3004', 'CF-BISCUIT-64', '磨牙饼干 64g', 'complementary food', 2_500, ['infant', 'toddler']),
  product('P4001', 'WP-80x6', '婴儿手口湿巾 80抽 6包', 'wipes', 3_990, ['any']),
  product('P4002', 'WP-DRY-100x3', '棉柔巾 100抽 3包', 'wipes', 2_990, ['newborn', 'infant']),
  product('P5001', 'TY-RATTLE', '安抚摇铃套装', 'toys', 5_900, ['newborn', 'infant']),
  product('P5002', 'TY-BLOCKS-100', '大颗粒积木 100粒', 'toys', 19_900, ['toddler', 'preschool']),
  product('P5003', 'TY-BATH', '戏水小鸭洗澡玩具', 'toys', 4_900, ['infant', 'toddler']),
  product('P6001', 'BK-CLOTH', '宝宝撕不烂布书', 'books', 4_500, ['newborn', 'infant']),
  product('P6002', 'BK-PICTURE-10', '经典绘本 10册', 'books', 9_980, ['toddler', 'preschool']),
  product('P6003', 'BK-PREGNANCY', '孕期营养全书', 'books', 3_980, ['pregnancy']),
  product('P7001', 'SK-LOTION-200', '婴儿润肤乳 200ml', 'skin care', 8_900, ['any']),
  product('P7002', 'SK-CREAM-50', '护臀膏 50g', 'skin care', 6_900, ['newborn', 'infant']),
  product('P7003', 'SK-STRETCH-150', '孕妈妊娠纹护理油 150ml', 'skin care', 19_800, ['pregnancy']),
];

export function productsFor(stage: LifeStage, category?: Category): Product[] {
  return products.filter(
    (item) => (item.stages.includes(stage) || item.stages.includes('any')) && (!category || item.category === category),
  );
}

export const surnames: ReadonlyArray<readonly [string, string]> = [
  ['王', 'wang'],
  ['李', 'li'],
  ['张', 'zhang'],
  ['刘', 'liu'],
  ['陈', 'chen'],
  ['杨', 'yang'],
  ['黄', 'huang'],
  ['赵', 'zhao'],
  ['吴', 'wu'],
  ['周', 'zhou'],
  ['徐', 'xu'],
  ['孙', 'sun'],
  ['马', 'ma'],
  ['朱', 'zhu'],
  ['胡', 'hu'],
  ['郭', 'guo'],
  ['何', 'he'],
  ['林', 'lin'],
  ['罗', 'luo'],
  ['高', 'gao'],
];

export const femaleGivenNames = [
  '静',
  '丽',
  '婷',
  '敏',
  '芳',
  '娜',
  '雪',
  '晶',
  '颖',
  '琳',
  '佳怡',
  '思雨',
  '欣然',
  '梦瑶',
  '雨桐',
];
export const maleGivenNames = ['伟', '强', '磊', '洋', '勇', '军', '杰', '涛', '浩然', '子轩', '宇航', '俊杰'];
export const childNicknames = ['小宝', '乐乐', '朵朵', '豆豆', '糖糖', '团团', '果果', '安安', '多多', '米粒'];

/** Weighted by how much of the brand's membership lives there. */
export const cities: ReadonlyArray<readonly [string, number]> = [
  ['上海', 12],
  ['北京', 11],
  ['广州', 8],
  ['深圳', 8],
  ['杭州', 6],
  ['成都', 6],
  ['武汉', 5],
  ['南京', 5],
  ['重庆', 5],
  ['西安', 4],
  ['苏州', 4],
  ['天津', 3],
  ['长沙', 3],
  ['郑州', 3],
  ['青岛', 2],
  ['宁波', 2],
  ['厦门', 2],
  ['合肥', 2],
  ['昆明', 2],
  ['沈阳', 2],
];

/** Mobile prefixes of the three carriers; every number built on them is valid in region CN. */
export const mobilePrefixes =
  '130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 177 180 181 182 183 185 186 187 188 189 198 199'.split(
    ' ',
  );

export const emailDomains = ['qq.com', '163.com', '126.com', 'sina.com', 'gmail.com', 'outlook.com'];

export const appScreens = [
  'Home',
  'Category',
  'Product Detail',
  'Member Center',
  'Points Mall',
  'Parenting Tips',
  'Cart',
];

export const miniProgramPages: ReadonlyArray<readonly [string, string]> = [
  ['首页', 'pages/index/index'],
  ['会员中心', 'pages/member/index'],
  ['商品详情', 'pages/goods/detail'],
  ['育儿百科', 'pages/content/article'],
  ['积分商城', 'pages/points/mall'],
  ['扫码验真', 'pages/scan/result'],
];

export const stores = ['SH-001', 'SH-014', 'BJ-003', 'GZ-007', 'SZ-002', 'HZ-005', 'CD-011', 'WH-004'];
/** Stores whose POS integration sends the literal anonymousId "anonymous" for everyone. */
export const storesWithBrokenPos = new Set(['GZ-007', 'CD-011']);

export const reviewTexts = [
  '宝宝很喜欢',
  '物流很快，包装完好',
  '回购很多次了',
  '味道宝宝不太接受',
  '质量不错，性价比高',
  '正品，扫码验证过',
];
