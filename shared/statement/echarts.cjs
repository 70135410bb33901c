// ECharts' single-file CommonJS build (`require('echarts')`: the same full library as the ESM entry,
// one module where that entry loads some 600 files). Required here rather than imported from ESM:
// Node's import of CommonJS scans the 3.8 MB file for named exports first, a quarter second per process.
const echarts = require('echarts');

module.exports = echarts;
