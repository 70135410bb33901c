declare const echarts: typeof import('echarts');
export = echarts;
